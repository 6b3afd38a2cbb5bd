from ninja import Router

router = Router(tags=["neworgs"])
