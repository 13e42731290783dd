using System.Globalization;
using System.Text;

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

        header.Add("environment");
        header.AddRange(UsageRow.Units);
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
            fields.AddRange(row.Values().Select(n => n.ToString(CultureInfo.InvariantCulture)));
            csv.AppendJoin(',', fields).Append("\r\n");
        }

        return csv.ToString();
    }

    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
