"""Household page, grid board, monthly statement, village ranking."""

from django.urls import path

from grassroots.boards import views as boards_views

urlpatterns = [
    # Staff (signed in); the household page itself is views.household (points-household)
    path("points/grids/<int:pk>/board/", boards_views.grid_board, name="points-grid-board"),
    path("points/grids/<int:pk>/statement/", boards_views.grid_statement_pick, name="points-grid-statement-pick"),
    path("points/grids/<int:pk>/statement/<int:year>/<int:month>/", boards_views.grid_statement,
         name="points-grid-statement"),
    path("points/grids/<int:pk>/statement/<int:year>/<int:month>.pdf", boards_views.grid_statement_pdf,
         name="points-grid-statement-pdf"),
    path("points/households/<int:pk>/statement/<int:year>/<int:month>.pdf", boards_views.household_statement_pdf,
         name="points-household-statement-pdf"),
    path("points/villages/<int:pk>/ranking/", boards_views.village_ranking, name="points-village-ranking"),
    # Public (the board as it hangs in the village, and the font its printout falls back on)
    path("board/grids/<str:code>/", boards_views.public_grid_board, name="points-public-grid-board"),
    path("fonts/noto-sans-sc.otf", boards_views.print_font, name="points-print-font"),
]
