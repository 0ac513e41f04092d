"""The fixed list of job categories, shared by job postings and (later) resumes."""

from django.db import models


class JobCategory(models.TextChoices):
    SOFTWARE_ENGINEERING = "software_engineering", "Software engineering"
    DATA_SCIENCE = "data_science", "Data and analytics"
    PRODUCT_MANAGEMENT = "product_management", "Product management"
    DESIGN = "design", "Design"
    SALES = "sales", "Sales"
    MARKETING = "marketing", "Marketing"
    CUSTOMER_SERVICE = "customer_service", "Customer service"
    FINANCE = "finance", "Finance and accounting"
    HUMAN_RESOURCES = "human_resources", "Human resources"
    OPERATIONS = "operations", "Operations and logistics"
    MANUFACTURING = "manufacturing", "Manufacturing and engineering"
    HEALTHCARE = "healthcare", "Healthcare"
    EDUCATION = "education", "Education"
    LEGAL = "legal", "Legal"
    ADMINISTRATION = "administration", "Administration"
    OTHER = "other", "Other"


CATEGORY_MAX_LENGTH = 32
