/// Maps values linearly so the fitted data spans [0, 1] (scikit-learn's MinMaxScaler with the
/// default range). Fit it on the training part only; later data may fall outside [0, 1].
public struct MinMaxScaler: Codable, Sendable, Equatable {
    /// Smallest fitted value.
    public var minimum: Double
    /// Largest fitted value.
    public var maximum: Double

    /// Fits to `values` (at least one).
    public init(fitting values: some Collection<Double>) {
        precondition(!values.isEmpty)
        minimum = values.min()!
        maximum = values.max()!
    }

    /// Creates a scaler with explicit bounds.
    public init(minimum: Double, maximum: Double) {
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The width used for division; a constant series maps to 0 instead of dividing by zero.
    private var range: Double { maximum > minimum ? maximum - minimum : 1 }

    /// Into scaled units.
    @inline(__always) public func transform(_ x: Double) -> Double { (x - minimum) / range }

    /// Back to original units.
    @inline(__always) public func inverse(_ x: Double) -> Double { x * range + minimum }
}
