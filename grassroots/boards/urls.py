"""The household page, grid boards, statements, ranking, the public /board/ pages with their QR codes, and
我的积分 (/my/<token>/, a household's own page by its card).

URL names keep their points- prefix (they predate the split)."""

from django.urls import path

from grassroots.boards import my_points, views

urlpatterns = [
    path("points/households/<int:pk>/", views.household, name="points-household"),
    path("board/notices/<str:token>/", views.public_notice, name="points-public-notice"),
    path("board/notices/<str:token>/check/", views.public_check, name="points-public-check"),
    path("points/grids/<int:pk>/board/", views.grid_board, name="points-grid-board"),
    path("points/grids/<int:pk>/statement/", views.grid_statement_pick, name="points-grid-statement-pick"),
    path("points/grids/<int:pk>/statement/<int:year>/<int:month>/", views.grid_statement,
         name="points-grid-statement"),
    path("points/grids/<int:pk>/statement/<int:year>/<int:month>.pdf", views.grid_statement_pdf,
         name="points-grid-statement-pdf"),
    path("points/households/<int:pk>/statement/<int:year>/<int:month>.pdf", views.household_statement_pdf,
         name="points-household-statement-pdf"),
    path("points/villages/<int:pk>/ranking/", views.village_ranking, name="points-village-ranking"),
    # Public (the board as it hangs in the village, and the font its printout falls back on)
    path("board/grids/<str:code>/", views.public_grid_board, name="points-public-grid-board"),
    path("fonts/noto-sans-sc.otf", views.print_font, name="points-print-font"),
    # 我的积分: a household's own page, opened by its card's token (the card's QR leads here through shop-card-scan)
    path("my/<str:token>/", my_points.my_points, name="points-my-points"),
]
