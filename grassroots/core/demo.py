"""What every app's demo loader shares: the demo region's codes and the demo accounts' password.

``grassroots/demo.py`` loads the whole demo and calls each app's loader (``demands/demo.py``,
``shop/demo.py`` …); the loaders read these from here, not from ``grassroots.demo``, so that no loader
imports the module that imports it.
"""

DEMO_PASSWORD = "Demo#2026"
COUNTY = "150426000000"  # 翁牛特旗
WUDAN = "150426100000"  # 乌丹镇
SAIQIN = "150426100223"  # 乌丹镇赛沁塔拉嘎查
GUANJING = "150426104204"  # 广德公镇官井子村
