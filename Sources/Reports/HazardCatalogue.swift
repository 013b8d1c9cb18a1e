/// The hazards of HAZARDS.md: the rows of the traceability matrix.
public enum HazardCatalogue {
    public struct Hazard: Sendable {
        public var id: String
        public var title: String
        /// The interlock's risk controls (check names) for this hazard.
        public var controls: [String]
    }

    public static let hazards: [Hazard] = [
        Hazard(id: "H01", title: "Uncommanded motion", controls: ["command_step", "command_non_finite", "idle_command", "idle_motion"]),
        Hazard(id: "H02", title: "Runaway joint", controls: ["tracking_error", "joint_velocity"]),
        Hazard(id: "H03", title: "Excessive tool-tip speed", controls: ["tip_speed", "tip_speed_persistent"]),
        Hazard(id: "H04", title: "RCM / port violation", controls: ["remote_center_distance", "insertion_depth", "remote_center_stop", "insertion_depth_stop"]),
        Hazard(id: "H05", title: "Joint / workspace limit", controls: ["joint_limit_command", "joint_limit_measured"]),
        Hazard(id: "H06", title: "Loss of position sensing", controls: ["encoder_potentiometer", "encoder_stall", "monitor_input_frozen"]),
        Hazard(id: "H07", title: "Encoder / potentiometer disagreement", controls: ["encoder_potentiometer", "monitor_input_frozen"]),
        Hazard(id: "H08", title: "Stale sensor data", controls: ["sensor_freshness", "sensor_freshness_stop"]),
        Hazard(id: "H09", title: "Loss of communication with boards", controls: ["communication", "board watchdog"]),
        Hazard(id: "H10", title: "Corrupted communication", controls: ["communication", "reply range check"]),
        Hazard(id: "H11", title: "Communication latency / jitter", controls: ["round_trip"]),
        Hazard(id: "H12", title: "Actuator saturation / overcurrent", controls: ["command_current", "overcurrent"]),
        Hazard(id: "H13", title: "Overtemperature", controls: ["temperature_warning", "temperature"]),
        Hazard(id: "H14", title: "Brake failure", controls: ["brake_slip"]),
        Hazard(id: "H15", title: "Control-loop deadline overrun", controls: ["deadline", "deadline_stop", "board watchdog"]),
        Hazard(id: "H16", title: "Power loss / brown-out", controls: ["supply_voltage"]),
        Hazard(id: "H17", title: "Emergency stop", controls: ["emergency_stop"]),
        Hazard(id: "H18", title: "Operator input spike / non-finite", controls: ["operator_step", "operator_non_finite"]),
        Hazard(id: "H19", title: "Teleoperation dropout", controls: ["operator_dropout", "operator_dropout_stop"]),
        Hazard(id: "H20", title: "Wrong hardware profile", controls: ["hardware_identity"]),
        Hazard(id: "H21", title: "Bad threshold / configuration", controls: ["profile_validation"]),
        Hazard(id: "H22", title: "Forged or replayed commands", controls: ["command_sequence"]),
    ]
}
