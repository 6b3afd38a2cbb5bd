from django.urls import path

from grassroots.pairing import views

urlpatterns = [
    # pairs

    # end of pairs

    # visits

    # end of visits

    # coverage

    # end of coverage

    # cloud branch

    # end of cloud branch
]
