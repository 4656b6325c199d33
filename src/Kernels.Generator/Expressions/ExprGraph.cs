namespace EquiGrid.Kernels.Generator.Expressions;

/// <summary>Operation of a node in an <see cref="ExprGraph"/>.</summary>
public enum ExprOp { Variable, Constant, Add, Subtract, Multiply }

/// <summary>A node of a straight-line program: a variable, a constant or a binary operation on earlier nodes.</summary>
public sealed record ExprNode(int Id, ExprOp Op, int Left, int Right, double Value, string? Name);

/// <summary>Multiplies and adds (subtractions count as adds) of a straight-line program.</summary>
public readonly record struct OpCount(int Multiplies, int Adds)
{
    public int Total => Multiplies + Adds;
    public static OpCount operator +(OpCount a, OpCount b) => new(a.Multiplies + b.Multiplies, a.Adds + b.Adds);
}

/// <summary>
/// A straight-line program built with hash-consing, so a subexpression built twice is one node (common
/// subexpressions are shared by construction). Node ids are a topological order. Emitters and operation counts walk
/// only the nodes reachable from the outputs, so both describe exactly the code that is emitted.
/// </summary>
public sealed class ExprGraph
{
    private readonly List<ExprNode> _nodes = new();
    private readonly Dictionary<(ExprOp, int, int, long, string?), int> _index = new();

    public IReadOnlyList<ExprNode> Nodes => _nodes;

    public ExprNode this[int id] => _nodes[id];

    public int Variable(string name) => Intern(ExprOp.Variable, -1, -1, 0, name);

    public int Constant(double value) => Intern(ExprOp.Constant, -1, -1, value == 0 ? 0.0 : value, null);

    public bool IsConstant(int id, out double value)
    {
        value = _nodes[id].Value;
        return _nodes[id].Op == ExprOp.Constant;
    }

    public int Multiply(int a, int b)
    {
        bool ca = IsConstant(a, out double va), cb = IsConstant(b, out double vb);
        if (ca && cb) return Constant(va * vb);
        if (ca && va == 1) return b;
        if (cb && vb == 1) return a;
        if (ca && va == 0 || cb && vb == 0) return Constant(0);
        // Constants first, then by id: commutative operands meet in one canonical order.
        if (cb || (!ca && b < a)) (a, b) = (b, a);
        return Intern(ExprOp.Multiply, a, b, 0, null);
    }

    public int Scale(double c, int a) => Multiply(Constant(c), a);

    public int Add(int a, int b)
    {
        bool ca = IsConstant(a, out double va), cb = IsConstant(b, out double vb);
        if (ca && cb) return Constant(va + vb);
        if (ca && va == 0) return b;
        if (cb && vb == 0) return a;
        if (a == b) return Scale(2.0, a);
        if (b < a) (a, b) = (b, a);
        return Intern(ExprOp.Add, a, b, 0, null);
    }

    public int Subtract(int a, int b)
    {
        bool ca = IsConstant(a, out double va), cb = IsConstant(b, out double vb);
        if (ca && cb) return Constant(va - vb);
        if (cb && vb == 0) return a;
        return Intern(ExprOp.Subtract, a, b, 0, null);
    }

    /// <summary>Sum of several terms (left to right); the empty sum is the constant 0.</summary>
    public int Sum(IEnumerable<int> terms)
    {
        int acc = -1;
        foreach (var t in terms) acc = acc < 0 ? t : Add(acc, t);
        return acc < 0 ? Constant(0) : acc;
    }

    /// <summary>The nodes reachable from <paramref name="outputs"/>, in topological (id) order.</summary>
    public IReadOnlyList<ExprNode> Reachable(IEnumerable<int> outputs)
    {
        var seen = new bool[_nodes.Count];
        var stack = new Stack<int>(outputs);
        while (stack.Count > 0)
        {
            int id = stack.Pop();
            if (seen[id]) continue;
            seen[id] = true;
            var n = _nodes[id];
            if (n.Left >= 0) stack.Push(n.Left);
            if (n.Right >= 0) stack.Push(n.Right);
        }
        return _nodes.Where(n => seen[n.Id]).ToList();
    }

    /// <summary>Multiplies and adds needed to compute <paramref name="outputs"/>.</summary>
    public OpCount Count(IEnumerable<int> outputs)
    {
        int mul = 0, add = 0;
        foreach (var n in Reachable(outputs))
        {
            if (n.Op == ExprOp.Multiply) mul++;
            else if (n.Op is ExprOp.Add or ExprOp.Subtract) add++;
        }
        return new OpCount(mul, add);
    }

    /// <summary>Evaluates the outputs in double for given variable values (checks the program in tests).</summary>
    public double[] Evaluate(IReadOnlyList<int> outputs, IReadOnlyDictionary<string, double> variables)
    {
        var values = new double[_nodes.Count];
        foreach (var n in Reachable(outputs))
            values[n.Id] = n.Op switch
            {
                ExprOp.Variable => variables[n.Name!],
                ExprOp.Constant => n.Value,
                ExprOp.Add => values[n.Left] + values[n.Right],
                ExprOp.Subtract => values[n.Left] - values[n.Right],
                ExprOp.Multiply => values[n.Left] * values[n.Right],
                _ => throw new InvalidOperationException(),
            };
        return outputs.Select(o => values[o]).ToArray();
    }

    private int Intern(ExprOp op, int left, int right, double value, string? name)
    {
        var key = (op, left, right, BitConverter.DoubleToInt64Bits(value), name);
        if (_index.TryGetValue(key, out int id)) return id;
        id = _nodes.Count;
        _nodes.Add(new ExprNode(id, op, left, right, value, name));
        _index[key] = id;
        return id;
    }
}
