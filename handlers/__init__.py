"""troly package."""
