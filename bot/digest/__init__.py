"""The daily digest: one post per care-team channel with today's visits, risks and open handoffs."""
