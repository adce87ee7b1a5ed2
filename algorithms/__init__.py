"""Processing algorithms of the deepfeature provider (thin wrappers over ``core``)."""
