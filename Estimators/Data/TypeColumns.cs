using System.Reflection;

namespace MLNetAttn.Estimators;

/// <summary>
/// Maps the public fields and properties of a .NET type to columns: string → Text, float/double/int/long/bool →
/// the number type, arrays of those (and byte[], e.g. encoded images) → variable-length vectors.
/// </summary>
internal sealed class TypeColumns
{
    private static readonly Dictionary<Type, PrimitiveDataViewType> Scalars = new()
    {
        [typeof(string)] = TextDataViewType.Instance,
        [typeof(float)] = NumberDataViewType.Single,
        [typeof(double)] = NumberDataViewType.Double,
        [typeof(int)] = NumberDataViewType.Int32,
        [typeof(long)] = NumberDataViewType.Int64,
        [typeof(byte)] = NumberDataViewType.Byte,
        [typeof(bool)] = BooleanDataViewType.Instance,
    };

    /// <summary>One mapped member.</summary>
    internal sealed record Member(string Column, Type ClrType, DataViewType Type, Func<object, object?> Get, Action<object, object?>? Set);

    private TypeColumns(Type type, Member[] members)
    {
        ClrType = type;
        Members = members;
    }

    public Type ClrType { get; }

    public Member[] Members { get; }

    public static TypeColumns For(Type type)
    {
        var members = new List<Member>();
        foreach (var m in type.GetMembers(BindingFlags.Public | BindingFlags.Instance))
        {
            if (m.GetCustomAttribute<NoColumnAttribute>() is not null)
                continue;
            var (clr, get, set) = m switch
            {
                PropertyInfo p when p.GetIndexParameters().Length == 0 && p.CanRead =>
                    (p.PropertyType, (Func<object, object?>)p.GetValue, p.CanWrite && p.SetMethod!.IsPublic ? p.SetValue : (Action<object, object?>?)null),
                FieldInfo f => (f.FieldType, f.GetValue, f.IsInitOnly ? null : f.SetValue),
                _ => (null!, null!, null),
            };
            if (clr is null)
                continue;
            var dataType = TypeOf(clr) ?? throw new ArgumentException(
                $"Member '{type.Name}.{m.Name}' is of type {clr.Name}, which maps to no column type. Use string, float, double, int, long, bool, " +
                "byte or an array of those, or mark it [NoColumn].");
            members.Add(new Member(m.GetCustomAttribute<ColumnNameAttribute>()?.Name ?? m.Name, clr, dataType, get, set));
        }
        return new TypeColumns(type, members.ToArray());
    }

    /// <summary>The column type a .NET type maps to, or null.</summary>
    public static DataViewType? TypeOf(Type clr)
        => Scalars.TryGetValue(clr, out var s) ? s
            : clr.IsArray && Scalars.TryGetValue(clr.GetElementType()!, out var item) ? new VectorDataViewType(item)
            : null;

    /// <summary>True when values of <paramref name="column"/> can be stored in a member of type <paramref name="clr"/>.</summary>
    public static bool CanHold(Type clr, DataViewType column)
        => column switch
        {
            PrimitiveDataViewType p => p.RawType == clr,
            VectorDataViewType v => clr.IsArray && clr.GetElementType() == v.RawType,
            _ => false,
        };

    public DataViewSchema Schema => new(Members.Select(m => (m.Column, m.Type)));

    /// <summary>Builds the column of member <paramref name="index"/> for <paramref name="rows"/>.</summary>
    public BatchColumn BuildColumn(int index, IReadOnlyList<object> rows)
    {
        var member = Members[index];
        return member.Type switch
        {
            VectorDataViewType v => v.RawType switch
            {
                var t when t == typeof(float) => Jagged<float>(member, v, rows),
                var t when t == typeof(double) => Jagged<double>(member, v, rows),
                var t when t == typeof(int) => Jagged<int>(member, v, rows),
                var t when t == typeof(long) => Jagged<long>(member, v, rows),
                var t when t == typeof(byte) => Jagged<byte>(member, v, rows),
                var t when t == typeof(bool) => Jagged<bool>(member, v, rows),
                _ => Jagged<string>(member, v, rows),
            },
            _ => member.ClrType switch
            {
                var t when t == typeof(float) => Scalar<float>(member, rows),
                var t when t == typeof(double) => Scalar<double>(member, rows),
                var t when t == typeof(int) => Scalar<int>(member, rows),
                var t when t == typeof(long) => Scalar<long>(member, rows),
                var t when t == typeof(byte) => Scalar<byte>(member, rows),
                var t when t == typeof(bool) => Scalar<bool>(member, rows),
                _ => Scalar<string?>(member, rows),
            },
        };
    }

    private static ScalarColumn<T> Scalar<T>(Member member, IReadOnlyList<object> rows)
    {
        var values = new T[rows.Count];
        for (var i = 0; i < values.Length; i++)
            values[i] = (T)member.Get(rows[i])!;
        return new ScalarColumn<T>(member.Type, values);
    }

    private static JaggedVectorColumn<T> Jagged<T>(Member member, VectorDataViewType type, IReadOnlyList<object> rows)
    {
        var values = new T[]?[rows.Count];
        for (var i = 0; i < values.Length; i++)
            values[i] = (T[]?)member.Get(rows[i]);
        return new JaggedVectorColumn<T>(type, values);
    }
}
