"""Write operations of the stations app: every change to a station's records goes here."""
