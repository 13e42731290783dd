using Finqware.AppHost.Hosting;

namespace Finqware.AppHost.Tests;

/// <summary>A resource's console output is kept bounded: the last lines only, with what it holds known (the system soak reads it).</summary>
public sealed class LogBufferTests
{
    [Fact]
    public void Keeps_the_last_lines_up_to_its_capacity_and_counts_the_lines_and_characters_it_holds()
    {
        var buffer = new LogBuffer(capacity: 3);
        Assert.Equal((0, 0L, 3), (buffer.Count, buffer.Characters, buffer.Capacity));

        foreach (var line in new[] { "one", "two", "three", "four", "five!" })
        {
            buffer.Append(line, isError: line == "four");
        }

        var held = buffer.After(0);
        Assert.Equal(["three", "four", "five!"], held.Select(l => l.Text));
        Assert.Equal([3L, 4L, 5L], held.Select(l => l.Sequence));
        Assert.Equal("stderr", held[1].Stream);
        Assert.Equal((3, (long)"threefourfive!".Length), (buffer.Count, buffer.Characters));
        Assert.Equal(["five!"], buffer.After(4).Select(l => l.Text));
    }
}
