using System.Globalization;
using System.Security.Claims;
using System.Text;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Servicers;
using Finqware.TenantService.Tokens;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OpenApi;
using Npgsql;

namespace Finqware.TenantService.Usage;

/// <summary>The report's rows as RFC 4180 CSV, with the JSON's field names as its header.</summary>
public static class UsageCsv
{
    public static string Write(UsageQuery query, IReadOnlyList<UsageRow> rows)
    {
        var header = new List<string> { "period" };
        if (query.ByTenant)
        {
            header.Add("client_id");
        }

        if (query.BySkill)
        {
            header.Add("skill");
        }

        header.AddRange(["environment", "sessions_opened", "sessions_completed", "sessions_failed", "sessions_expired", "sessions_cancelled", "steps", "steps_completed", "steps_failed", "uploads", "upload_bytes"]);
        var csv = new StringBuilder().AppendJoin(',', header).Append("\r\n");
        foreach (var row in rows)
        {
            var fields = new List<string> { row.Period };
            if (query.ByTenant)
            {
                fields.Add(Field(row.ClientId!));
            }

            if (query.BySkill)
            {
                fields.Add(Field(row.Skill!));
            }

            fields.Add(Field(row.Environment));
            fields.AddRange(new[] { row.SessionsOpened, row.SessionsCompleted, row.SessionsFailed, row.SessionsExpired, row.SessionsCancelled, row.Steps, row.StepsCompleted, row.StepsFailed, row.Uploads, row.UploadBytes }
                .Select(n => n.ToString(CultureInfo.InvariantCulture)));
            csv.AppendJoin(',', fields).Append("\r\n");
        }

        return csv.ToString();
    }

    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
