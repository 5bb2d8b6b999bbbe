"""Page views, one module per role area."""
