"""Loopback emulators of the external APIs doraspace reads, for tests."""
