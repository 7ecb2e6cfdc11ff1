"""The runtime: configuration, the app factory (composition root), server, scheduler and CLI."""
