@testable import SafetyInterlock
import MotionTypes
import Testing

/// A tick can trip more checks than the list records (16); the record is lost, the response
/// must not be.
@Suite struct TripListTests {
    func trip(_ response: Response) -> Trip { Trip(check: .trackingError, joint: 0, measured: 1, threshold: 0, response: response) }

    @Test func aTripBeyondTheCapacityStillSetsTheWorstResponse() {
        var list = TripList()
        for _ in 0..<TripList.capacity { list.append(trip(.clamp)) }
        #expect(list.count == TripList.capacity && list.worst == .clamp)
        list.append(trip(.powerOff))
        #expect(list.count == TripList.capacity && list.dropped == 1)
        #expect(list.worst == .powerOff)
    }

    @Test func stageTwoSeesOnlyItsOwnTripsEvenWhenTheyAreDropped() {
        var list = TripList()
        for _ in 0..<TripList.capacity { list.append(trip(.hold)) }
        list.mark()
        #expect(list.worstSinceMark == .none)
        list.append(trip(.protectiveStop))
        #expect(list.dropped == 1 && list.worstSinceMark == .protectiveStop && list.worst == .protectiveStop)
        list.removeAll()
        #expect(list.count == 0 && list.dropped == 0 && list.worst == .none && list.worstSinceMark == .none)
    }
}
