using System.Text.RegularExpressions;
using Finqware.ServiceDefaults.Problems;
using Finqware.SessionService.Sessions;

namespace Finqware.SessionService.Tests;

/// <summary>Every refusal a workflow can give has its problem document, in the one place that maps them.</summary>
public sealed partial class SessionProblemsTests
{
    public static TheoryData<string> Errors() => [.. typeof(SessionError).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(SessionError))).Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Errors))]
    public void Each_session_error_is_a_4xx_or_503_problem_with_a_stable_code(string name)
    {
        var type = typeof(SessionError).GetNestedType(name)!;
        var constructor = type.GetConstructors().Single();
        var error = (SessionError)constructor.Invoke([.. constructor.GetParameters().Select(p => Example(p.ParameterType))]);

        var problem = SessionProblems.For(error);

        Assert.True(problem.StatusCode is >= 400 and < 500 or 503, $"{name}: {problem.StatusCode}");
        Assert.Matches(UpperSnake(), Assert.IsType<string>(problem.ProblemDetails.Extensions[ApiProblems.CodeKey]));
        Assert.False(string.IsNullOrEmpty(problem.ProblemDetails.Title));
        Assert.False(string.IsNullOrEmpty(problem.ProblemDetails.Detail));
    }

    private static object Example(Type type) =>
        type == typeof(string) ? "x"
        : type == typeof(Guid) ? Guid.Empty
        : type == typeof(long) ? 1L
        : type == typeof(IReadOnlyList<string>) ? new[] { "x" }
        : type == typeof(IDictionary<string, string[]>) ? new Dictionary<string, string[]> { ["data.x"] = ["is required."] }
        : throw new ArgumentException($"No example of {type}.", nameof(type));

    [GeneratedRegex("^[A-Z]+(_[A-Z]+)*$")]
    private static partial Regex UpperSnake();
}
