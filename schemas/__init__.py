"""XSDs shipped as package data, and their loader."""
