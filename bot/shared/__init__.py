"""What features share: people, care teams and access, channel settings, audit, Home."""
