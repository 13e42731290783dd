using System.Text;
using Npgsql;

namespace Finqware.Testing;

/// <summary>Every row of every table of a database as text (each column, <c>bytea</c> as hex): what a reader of it sees.</summary>
public static class DatabaseDump
{
    public static async Task<string> ReadAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var dump = new StringBuilder();
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand($"SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM \"{table}\" t", connection);
            dump.AppendLine((string)(await command.ExecuteScalarAsync())!);
        }

        return dump.ToString();
    }
}
