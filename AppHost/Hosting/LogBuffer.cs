namespace Finqware.AppHost.Hosting;

/// <summary>The last lines a resource printed, numbered so a reader can ask for what came after what it has.</summary>
public sealed class LogBuffer(int capacity = 2000)
{
    private readonly Queue<LogLine> lines = new();
    private readonly Lock gate = new();
    private long next = 1;
    private long characters;

    public event Action<LogLine>? Appended;

    /// <summary>Lines held at most: past it the oldest line goes.</summary>
    public int Capacity => capacity;

    /// <summary>Lines held now.</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return lines.Count;
            }
        }
    }

    /// <summary>Characters of text held now (what the buffer's memory grows with, beside the line count).</summary>
    public long Characters
    {
        get
        {
            lock (gate)
            {
                return characters;
            }
        }
    }

    public void Append(string text, bool isError)
    {
        LogLine line;
        lock (gate)
        {
            line = new LogLine(next++, DateTimeOffset.UtcNow, isError ? "stderr" : "stdout", text);
            lines.Enqueue(line);
            characters += text.Length;
            while (lines.Count > capacity)
            {
                characters -= lines.Dequeue().Text.Length;
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
