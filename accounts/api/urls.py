from django.urls import path

from .views import LoginApi, LogoutApi, RegisterApi

urlpatterns = [
    path("auth/register", RegisterApi.as_view(), name="auth-register"),
    path("auth/login", LoginApi.as_view(), name="auth-login"),
    path("auth/logout", LogoutApi.as_view(), name="auth-logout"),
]
