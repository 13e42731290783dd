using System.Globalization;
using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finqware.TenantService.Usage;

/// <summary>A report's parameters, validated.</summary>
public sealed record UsageQuery(DateOnly From, DateOnly To, bool Monthly, bool BySkill, bool ByTenant)
{
    public const int MaxDays = 366;

    public static UsageQuery? Parse(string? from, string? to, string? granularity, string? groupBy, bool allowTenant, DateTimeOffset now) =>
        Validate(from, to, granularity, groupBy, allowTenant, now, out var query).Count == 0 ? query : null;

    public static ProblemHttpResult Invalid(string? from, string? to, string? granularity, string? groupBy, bool allowTenant, DateTimeOffset now) =>
        ApiProblems.Validation(Validate(from, to, granularity, groupBy, allowTenant, now, out _));

    private static Dictionary<string, string[]> Validate(string? from, string? to, string? granularity, string? groupBy, bool allowTenant, DateTimeOffset now, out UsageQuery? query)
    {
        query = null;
        var errors = new Dictionary<string, string[]>();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var end = to is null ? today : ParseDate(to, "to", errors);
        var start = from is null ? new DateOnly(end.Year, end.Month, 1) : ParseDate(from, "from", errors);
        if (errors.Count == 0 && start > end)
        {
            errors["from"] = ["Must not be after to."];
        }
        else if (errors.Count == 0 && end.DayNumber - start.DayNumber >= MaxDays)
        {
            errors["to"] = [$"At most {MaxDays} days from from."];
        }

        if (granularity is not (null or "day" or "month"))
        {
            errors["granularity"] = ["day or month."];
        }

        var groups = (groupBy ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var allowed = allowTenant ? new[] { "skill", "tenant" } : ["skill"];
        if (groups.Any(g => !allowed.Contains(g)))
        {
            errors["group_by"] = [allowTenant ? "A comma-separated list of skill and tenant." : "skill (a tenant's report is its own)."];
        }

        if (errors.Count == 0)
        {
            query = new UsageQuery(start, end, granularity == "month", groups.Contains("skill"), groups.Contains("tenant"));
        }

        return errors;
    }

    private static DateOnly ParseDate(string value, string name, Dictionary<string, string[]> errors)
    {
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        errors[name] = ["A UTC date, YYYY-MM-DD."];
        return default;
    }
}
