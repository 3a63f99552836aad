"""Static files of the web chat."""
