"""Product thumbnails for the catalog rows: the Evotor image (fetched in the background) or the card."""
