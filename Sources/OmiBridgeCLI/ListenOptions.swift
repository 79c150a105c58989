import ArgumentParser

/// `--host` and `--port` of the commands that serve the HTTP API (`serve`, `run`): they override `server.listen`.
struct ListenOptions: ParsableArguments {
    @Option(name: .long, help: "Port to listen on (0: any free port); default from server.listen.") var port: Int?
    @Option(name: .long, help: "Address to listen on; anything but loopback exposes the API to the network.")
    var host: String?

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
    }
}
