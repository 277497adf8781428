"""Product-level rules for what VK will accept: forbidden goods, generated photo cards, articles, stock."""
