namespace EquiGrid.Training.Data;

/// <summary>
/// Labelled-graph isomorphism for molecule-sized graphs: colour refinement (1-WL, starting from element and degree)
/// on both graphs together, then backtracking over vertices with equal colours. Exact, and fast for QM9's <= 9 heavy atoms.
/// </summary>
public static class GraphIsomorphism
{
    /// <summary>True when a bijection maps vertices to vertices of the same element and edges onto edges.</summary>
    public static bool AreIsomorphic(LabeledGraph a, LabeledGraph b)
    {
        int n = a.VertexCount;
        if (n != b.VertexCount || a.Edges.Length != b.Edges.Length) return false;
        var adjA = Adjacency(a);
        var adjB = Adjacency(b);
        var (colorsA, colorsB) = Refine(a, adjA, b, adjB);
        if (!colorsA.Order().SequenceEqual(colorsB.Order())) return false;

        var order = Enumerable.Range(0, n).OrderBy(v => colorsA.Count(c => c == colorsA[v])).ThenBy(v => v).ToArray();
        var map = new int[n];
        var used = new bool[n];
        Array.Fill(map, -1);
        return Extend(0);

        bool Extend(int k)
        {
            if (k == n) return true;
            int v = order[k];
            for (int w = 0; w < n; w++)
            {
                if (used[w] || colorsB[w] != colorsA[v]) continue;
                bool consistent = true;
                for (int u = 0; u < n && consistent; u++)
                    if (map[u] >= 0 && adjA[v, u] != adjB[w, map[u]]) consistent = false;
                if (!consistent) continue;
                map[v] = w;
                used[w] = true;
                if (Extend(k + 1)) return true;
                map[v] = -1;
                used[w] = false;
            }
            return false;
        }
    }

    private static bool[,] Adjacency(LabeledGraph g)
    {
        var adj = new bool[g.VertexCount, g.VertexCount];
        foreach (var e in g.Edges)
        {
            adj[e.I, e.J] = true;
            adj[e.J, e.I] = true;
        }
        return adj;
    }

    private static (int[] A, int[] B) Refine(LabeledGraph a, bool[,] adjA, LabeledGraph b, bool[,] adjB)
    {
        int n = a.VertexCount;
        var ca = Enumerable.Range(0, n).Select(v => a.AtomicNumbers[v] * 100 + Degree(adjA, v, n)).ToArray();
        var cb = Enumerable.Range(0, n).Select(v => b.AtomicNumbers[v] * 100 + Degree(adjB, v, n)).ToArray();
        for (int round = 0; round < n; round++)
        {
            // One shared dictionary so equal signatures get equal colours in both graphs.
            var palette = new Dictionary<string, int>();
            var na = Recolor(ca, adjA, n, palette);
            var nb = Recolor(cb, adjB, n, palette);
            bool stable = na.Distinct().Count() == ca.Distinct().Count();
            ca = na;
            cb = nb;
            if (stable) break;
        }
        return (ca, cb);
    }

    private static int[] Recolor(int[] colors, bool[,] adj, int n, Dictionary<string, int> palette)
    {
        var result = new int[n];
        for (int v = 0; v < n; v++)
        {
            var neighbours = Enumerable.Range(0, n).Where(u => adj[v, u]).Select(u => colors[u]).Order();
            string signature = colors[v] + ":" + string.Join(',', neighbours);
            if (!palette.TryGetValue(signature, out int c)) palette[signature] = c = palette.Count;
            result[v] = c;
        }
        return result;
    }

    private static int Degree(bool[,] adj, int v, int n)
    {
        int d = 0;
        for (int u = 0; u < n; u++) if (adj[v, u]) d++;
        return d;
    }
}
