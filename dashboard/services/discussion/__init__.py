"""Discussion threads on items (milestones, alliances, indicator values, lessons): comments
with a visibility, an edit window and soft deletion, mentions that notify, unread counts."""

from dashboard.services.discussion.badge import unread_badge
from dashboard.services.discussion.commented import commented_items
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
from dashboard.services.discussion.mentions import mention_choices, mentioned_usernames
from dashboard.services.discussion.threads import (
    KINDS,
    Thread,
    comment_log_condition,
    open_thread,
    visibility_label,
    writable_thread,
)
from dashboard.services.discussion.unread import (
    MENTION_COLUMNS,
    UNREAD_COLUMNS,
    mark_thread_read,
    unread_counts,
    unread_mentions,
    unread_mentions_of,
    unread_threads,
)

__all__ = [
    "KINDS",
    "MENTION_COLUMNS",
    "UNREAD_COLUMNS",
    "THREAD_COLUMNS",
    "CommentInput",
    "Thread",
    "ThreadView",
    "add_comment",
    "comment_log_condition",
    "commented_items",
    "comments_by_author",
    "delete_comment",
    "edit_comment",
    "edit_minutes",
    "list_thread",
    "mark_thread_read",
    "mention_choices",
    "mentioned_usernames",
    "open_thread",
    "post_comment",
    "unread_badge",
    "unread_counts",
    "unread_mentions",
    "unread_mentions_of",
    "unread_threads",
    "visibility_label",
    "writable_thread",
]
