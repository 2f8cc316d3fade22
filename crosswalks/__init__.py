"""crosswalks package."""
