namespace Publisher;

/// <summary>One page of a paged API listing: <c>{"items", "total", "page", "pageSize"}</c>.</summary>
public sealed record PageOf<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize);
