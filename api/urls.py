"""/api/v1/: the seekers' app."""

from __future__ import annotations

from django.urls import path

from api import views

app_name = "api"

urlpatterns = [
    path("auth/otp", views.LoginCodeView.as_view(), name="auth-otp"),
    path("auth/token", views.TokenView.as_view(), name="auth-token"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all", views.LogoutAllView.as_view(), name="auth-logout-all"),
    path("me", views.MeView.as_view(), name="me"),
    path("me/recommendations", views.RecommendationListView.as_view(), name="recommendations"),
    path("me/notifications", views.NotificationListView.as_view(), name="notifications"),
    path(
        "me/notifications/<int:pk>/read",
        views.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path("me/applications", views.MyApplicationListView.as_view(), name="applications"),
    path("me/applications/<int:pk>/withdraw", views.WithdrawView.as_view(), name="withdraw"),
    path("me/placements", views.MyPlacementListView.as_view(), name="placements"),
    path("me/placements/<int:pk>/check-in", views.CheckInView.as_view(), name="check-in"),
    path("me/placements/<int:pk>/check-out", views.CheckOutView.as_view(), name="check-out"),
    path("me/placements/<int:pk>/wage-claims", views.WageClaimView.as_view(), name="wage-claims"),
    path("jobs", views.JobListView.as_view(), name="jobs"),
    path("jobs/<int:pk>/applications", views.ApplyView.as_view(), name="apply"),
    path("jobs/<int:pk>", views.JobDetailView.as_view(), name="job"),
]
