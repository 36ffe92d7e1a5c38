// Opens a serial port with the real node-serialport binding and prints the outcome as JSON. The
// EACCES test runs it as an unprivileged user: root never gets "permission denied".
const { SerialPort } = require("serialport");
const port = new SerialPort({ path: process.argv[2], baudRate: 9600, autoOpen: false });
port.open((error) => {
  console.log(JSON.stringify({ error: error ? error.message : null }));
  process.exit(0);
});
