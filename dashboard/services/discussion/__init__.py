"""Discussion threads on items (milestones, alliances, indicator values, lessons): comments
with a visibility, an edit window and soft deletion, mentions that notify, unread counts."""

from dashboard.services.discussion.comments import (
    THREAD_COLUMNS,
    CommentInput,
    ThreadView,
    add_comment,
    comments_by_author,
    delete_comment,
    edit_comment,
    edit_minutes,
    list_thread,
    post_comment,
)
from dashboard.services.discussion.mentions import mentioned_usernames
from dashboard.services.discussion.threads import (
    KINDS,
    Thread,
    open_thread,
    visibility_label,
    writable_thread,
)

__all__ = [
    "KINDS",
    "THREAD_COLUMNS",
    "CommentInput",
    "Thread",
    "ThreadView",
    "add_comment",
    "comments_by_author",
    "delete_comment",
    "edit_comment",
    "edit_minutes",
    "list_thread",
    "mentioned_usernames",
    "open_thread",
    "post_comment",
    "visibility_label",
    "writable_thread",
]
