"""Tests of the benches' own logic (bench/)."""
