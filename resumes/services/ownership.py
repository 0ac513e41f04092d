"""The guard every seeker service starts with: the caller is an active seeker, acting on their own resume."""

from accounts.models import Role, User

from ..errors import NotSeeker, ResumeMissing
from ..models import Resume


def require_seeker(seeker: User) -> None:
    if seeker.role != Role.SEEKER or not seeker.is_active:
        raise NotSeeker()


def own_resume(seeker: User, *, lock: bool = False) -> Resume:
    """The seeker's resume (locked for update when asked), or ResumeMissing."""
    require_seeker(seeker)
    resumes = Resume.objects.select_for_update() if lock else Resume.objects
    resume = resumes.filter(seeker=seeker).first()
    if resume is None:
        raise ResumeMissing()
    return resume
