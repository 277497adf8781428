"""How the console shows things to a merchant: times in their time zone, prices in roubles (docs/ui.md)."""
