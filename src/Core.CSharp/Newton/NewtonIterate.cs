namespace Nn.Newton;

/// <summary>
/// One point of a Newton trace: the iterate <c>x_k</c>, the value <c>f(x_k)</c> whose zero is sought
/// (<c>g′(x_k)</c> when minimising <c>g</c>) and its derivative <c>f′(x_k)</c> (<c>g″(x_k)</c>).
/// </summary>
/// <param name="X">The iterate <c>x_k</c>.</param>
/// <param name="Value">The residual <c>f(x_k)</c>; NaN when it was not evaluated because <c>x_k</c> is not finite.</param>
/// <param name="Derivative">The slope <c>f′(x_k)</c>; NaN when it was not evaluated because <c>x_k</c> is not finite.</param>
public readonly record struct NewtonIterate(double X, double Value, double Derivative);
