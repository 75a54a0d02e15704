"""/api/v1/: the seekers' app, and under staff/ the stations' tablets."""

from __future__ import annotations

from django.urls import path

from api import dispatch, fairs, followup, views
from api.staff import views as staff
from reporting import urls_api as reports

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
    path("me/devices", views.DeviceListView.as_view(), name="devices"),
    path("me/devices/<int:pk>", views.DeviceDetailView.as_view(), name="device"),
    path("me/applications", views.MyApplicationListView.as_view(), name="applications"),
    path("me/applications/<int:pk>/withdraw", views.WithdrawView.as_view(), name="withdraw"),
    path("me/placements", views.MyPlacementListView.as_view(), name="placements"),
    path("me/placements/<int:pk>/check-in", views.CheckInView.as_view(), name="check-in"),
    path("me/placements/<int:pk>/check-out", views.CheckOutView.as_view(), name="check-out"),
    path("me/placements/<int:pk>/wage-claims", views.WageClaimView.as_view(), name="wage-claims"),
    path("jobs", views.JobListView.as_view(), name="jobs"),
    path("jobs/<int:pk>/applications", views.ApplyView.as_view(), name="apply"),
    path("jobs/<int:pk>", views.JobDetailView.as_view(), name="job"),
    path("auth/staff-token", staff.StaffLoginView.as_view(), name="auth-staff-token"),
    path("staff/stations", staff.StationListView.as_view(), name="staff-stations"),
    path("staff/employers", staff.EmployerListView.as_view(), name="staff-employers"),
    path("staff/posts", staff.PostListView.as_view(), name="staff-posts"),
    path("staff/posts/<int:pk>", staff.PostDetailView.as_view(), name="staff-post"),
    path("staff/posts/<int:pk>/open", staff.PostOpenView.as_view(), name="staff-post-open"),
    path("staff/posts/<int:pk>/close", staff.PostCloseView.as_view(), name="staff-post-close"),
    path("staff/seekers", staff.SeekerListView.as_view(), name="staff-seekers"),
    path("staff/seekers/<int:pk>", staff.SeekerDetailView.as_view(), name="staff-seeker"),
    path("staff/applications", staff.ApplicationListView.as_view(), name="staff-applications"),
    path(
        "staff/applications/<int:pk>",
        staff.ApplicationDetailView.as_view(),
        name="staff-application",
    ),
    path(
        "staff/applications/<int:pk>/move",
        staff.ApplicationMoveView.as_view(),
        name="staff-application-move",
    ),
    path(
        "staff/applications/<int:pk>/hire",
        staff.ApplicationHireView.as_view(),
        name="staff-application-hire",
    ),
    path("staff/placements", staff.PlacementListView.as_view(), name="staff-placements"),
    path("staff/placements/<int:pk>", staff.PlacementDetailView.as_view(), name="staff-placement"),
    path(
        "staff/placements/<int:pk>/start",
        staff.PlacementStartView.as_view(),
        name="staff-placement-start",
    ),
    path(
        "staff/placements/<int:pk>/complete",
        staff.PlacementCompleteView.as_view(),
        name="staff-placement-complete",
    ),
    path(
        "staff/placements/<int:pk>/wage-payments",
        staff.WagePaymentListView.as_view(),
        name="staff-wage-payments",
    ),
    path("staff/wage-claims", staff.WageClaimListView.as_view(), name="staff-wage-claims"),
    path(
        "staff/wage-claims/<int:pk>", staff.WageClaimDetailView.as_view(), name="staff-wage-claim"
    ),
    path(
        "staff/wage-claims/<int:pk>/move",
        staff.WageClaimMoveView.as_view(),
        name="staff-wage-claim-move",
    ),
]

# Each area's endpoints live in its own module.
urlpatterns += dispatch.urlpatterns + fairs.urlpatterns + followup.urlpatterns
urlpatterns += reports.urlpatterns
