"""Tests of the surveys package."""
