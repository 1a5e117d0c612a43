"""doraspace."""
