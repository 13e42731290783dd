namespace Finqware.AppHost.Hosting;

/// <summary>The last lines a resource printed, numbered so a reader can ask for what came after what it has.</summary>
public sealed class LogBuffer(int capacity = 2000)
{
    private readonly Queue<LogLine> lines = new();
    private readonly Lock gate = new();
    private long next = 1;

    public event Action<LogLine>? Appended;

    public void Append(string text, bool isError)
    {
        LogLine line;
        lock (gate)
        {
            line = new LogLine(next++, DateTimeOffset.UtcNow, isError ? "stderr" : "stdout", text);
            lines.Enqueue(line);
            while (lines.Count > capacity)
            {
                lines.Dequeue();
            }
        }

        Appended?.Invoke(line);
    }

    public IReadOnlyList<LogLine> After(long sequence, int max = 1000)
    {
        lock (gate)
        {
            return lines.Where(l => l.Sequence > sequence).Take(max).ToList();
        }
    }
}

public sealed record LogLine(long Sequence, DateTimeOffset At, string Stream, string Text);
