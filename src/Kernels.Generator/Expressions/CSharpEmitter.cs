using System.Globalization;
using System.Text;

namespace EquiGrid.Kernels.Generator.Expressions;

/// <summary>The C# types a program is emitted for.</summary>
public sealed record NumericFlavor(string Scalar, string Suffix, bool IsVector)
{
    public static readonly NumericFlavor Float = new("float", "f", false);
    public static readonly NumericFlavor Double = new("double", "d", false);
    public static readonly NumericFlavor VectorFloat = new("float", "f", true);
    public static readonly NumericFlavor VectorDouble = new("double", "d", true);

    /// <summary>The type of a value: the scalar, or System.Numerics.Vector of it.</summary>
    public string ValueType => IsVector ? $"Vector<{Scalar}>" : Scalar;

    /// <summary>A literal that round-trips the constant in this precision.</summary>
    public string Literal(double value)
    {
        string text = Scalar == "float"
            ? ((float)value).ToString("R", CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);
        text += Suffix;
        return value < 0 ? $"({text})" : text;
    }
}

/// <summary>Writes the statements of a straight-line program, one local per operation node, in topological order.</summary>
public static class CSharpEmitter
{
    /// <summary>
    /// Emits "var vN = ...;" for every reachable operation and returns the expression of each output. Constants are
    /// written inline (broadcast where a vector operand is required); variables by their given names.
    /// </summary>
    public static string[] EmitBody(StringBuilder sb, string indent, ExprGraph graph, IReadOnlyList<int> outputs, NumericFlavor flavor,
        Func<string, string> variableName)
    {
        string Operand(int id, bool broadcast)
        {
            var n = graph[id];
            return n.Op switch
            {
                ExprOp.Variable => variableName(n.Name!),
                ExprOp.Constant => broadcast && flavor.IsVector ? $"new Vector<{flavor.Scalar}>({flavor.Literal(n.Value)})" : flavor.Literal(n.Value),
                _ => $"v{id}",
            };
        }
        var reachable = graph.Reachable(outputs);
        // Vector flavours write a + b * c as Vector.MultiplyAddEstimate (one FMA instruction where the CPU has FMA, a
        // multiply and an add elsewhere) when the product is used only there, so the counted multiplies and adds run in
        // fewer instructions.
        var uses = new Dictionary<int, int>();
        foreach (var n in reachable)
        {
            if (n.Left >= 0) uses[n.Left] = uses.GetValueOrDefault(n.Left) + 1;
            if (n.Right >= 0) uses[n.Right] = uses.GetValueOrDefault(n.Right) + 1;
        }
        foreach (int o in outputs) uses[o] = uses.GetValueOrDefault(o) + 1;
        bool Fusable(int id) => flavor.IsVector && graph[id].Op == ExprOp.Multiply && uses[id] == 1;
        var fused = new HashSet<int>();
        foreach (var n in reachable)
            if (n.Op == ExprOp.Add && (Fusable(n.Left) || Fusable(n.Right))) fused.Add(Fusable(n.Right) ? n.Right : n.Left);
        string VectorOperand(int id) => graph[id].Op == ExprOp.Constant ? $"new Vector<{flavor.Scalar}>({flavor.Literal(graph[id].Value)})" : Operand(id, true);
        foreach (var n in reachable)
        {
            if (fused.Contains(n.Id)) continue;
            string? expr = n.Op switch
            {
                ExprOp.Add when fused.Contains(n.Right) || fused.Contains(n.Left) => Fma(n),
                // Vector<T> * T exists, so a constant factor needs no broadcast; sums do.
                ExprOp.Multiply => $"{Operand(n.Left, false)} * {Operand(n.Right, false)}",
                ExprOp.Add => $"{Operand(n.Left, true)} + {Operand(n.Right, true)}",
                ExprOp.Subtract => $"{Operand(n.Left, true)} - {Operand(n.Right, true)}",
                _ => null,
            };
            if (expr is not null) sb.Append(indent).Append("var v").Append(n.Id).Append(" = ").Append(expr).Append(";\n");
        }
        string Fma(ExprNode add)
        {
            int product = fused.Contains(add.Right) ? add.Right : add.Left;
            int addend = product == add.Right ? add.Left : add.Right;
            var p = graph[product];
            return $"Vector.MultiplyAddEstimate({VectorOperand(p.Left)}, {VectorOperand(p.Right)}, {VectorOperand(addend)})";
        }
        return outputs.Select(o => Operand(o, true)).ToArray();
    }
}
