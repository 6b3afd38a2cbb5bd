"""爱心超市: products, stock movements, redemptions."""
