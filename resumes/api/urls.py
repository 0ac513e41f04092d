from django.urls import path

from .views import ResumeDetailApi, ResumeSearchApi

urlpatterns = [
    path("resumes", ResumeSearchApi.as_view(), name="resume-search"),
    path("resumes/<str:resume_id>", ResumeDetailApi.as_view(), name="resume-detail"),
]
