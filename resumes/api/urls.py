from django.urls import path

from .views import ContactRequestListApi, ResumeDetailApi, ResumeSearchApi, RevealApi, RevealListApi

urlpatterns = [
    path("resumes/<str:resume_id>/reveal", RevealApi.as_view(), name="resume-reveal"),
    path("reveals", RevealListApi.as_view(), name="reveal-list"),
    path("contact-requests", ContactRequestListApi.as_view(), name="contact-request-list"),
    path("resumes", ResumeSearchApi.as_view(), name="resume-search"),
    path("resumes/<str:resume_id>", ResumeDetailApi.as_view(), name="resume-detail"),
]
