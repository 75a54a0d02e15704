"""Read queries of the stations app."""
