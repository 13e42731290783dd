using System.Diagnostics.CodeAnalysis;

namespace Finqware.SessionService.Sessions;

/// <summary>
/// What a workflow of the Sessions API answers: its value, or the <see cref="SessionError"/> that refused the request.
/// Workflows know nothing of HTTP; endpoints map an error with <see cref="SessionProblems.For"/>.
/// </summary>
public readonly record struct Result<T>
{
    private Result(T? value, SessionError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public SessionError? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    public static implicit operator Result<T>(T value) => new(value, null);

    public static implicit operator Result<T>(SessionError error) => new(default, error);
}
