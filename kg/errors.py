"""One error hierarchy.  The library raises; only the CLI turns KgError into
a one-line message.  Messages name where the problem is: `path:record: problem`."""


class KgError(Exception):
    """Base of every error kg reports to a user.

    Errors cross process boundaries (a worker reports a failed article): pickling rebuilds one
    from its message and attributes, whatever its subclass's constructor takes."""

    def __reduce__(self):
        return _rebuild, (type(self), str(self), dict(self.__dict__))


def _rebuild(cls: type, message: str, state: dict) -> "KgError":
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class SourceError(KgError):
    """An input file or record that cannot be read as an article.

    A warning (an empty article) is reported but does not fail the run."""

    def __init__(self, where: str, problem: str, warning: bool = False):
        self.where, self.problem, self.warning = where, problem, warning
        super().__init__(f"{where}: {problem}")


class ComponentError(KgError):
    """A pipeline component failed on one article."""

    def __init__(self, article_id: str, component: str, problem: str):
        self.article_id, self.component, self.problem = article_id, component, problem
        super().__init__(f"{article_id}/{component}: {problem}")


class DataFileError(KgError):
    """A bad line in one of kg's own data files."""


class StoreError(KgError):
    """The graph store is unreachable, refused us, or failed a write."""


class StoreBusy(StoreError):
    """Another process holds the store's write lock."""


class WriteFailed(StoreError):
    """The store refused what a write statement asked of it (a value, a constraint), as
    opposed to being unreachable: the loader isolates the article that caused it."""


class LoadError(KgError):
    """One article could not be written; the others were."""

    def __init__(self, where: str, problem: str):
        self.where, self.problem = where, problem
        super().__init__(f"{where}: {problem}")


class ClusterError(KgError):
    """The Dask cluster is unreachable or not installed, or lost a partition for good."""


class QueryError(KgError):
    """A library query is unknown, malformed, or failed."""


class QueryTimeout(QueryError):
    """A read ran past its time limit and the server stopped it."""
