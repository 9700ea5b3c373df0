"""Loopback servers playing the outside world, with seeded sample data of about 200 hotels."""
