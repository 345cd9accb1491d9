"""Bands, levels, classification results and the audience views of them."""
