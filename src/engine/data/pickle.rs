//! A small, safe reader for Python pickles of plain data: enough of the pickle machine for
//! the CIFAR Python batches (Python 2's cPickle protocol 2 as distributed, and what Python 3
//! writes with protocols 2–5). Nothing is executed: a global or a call becomes an `Object`
//! that the caller interprets (numpy arrays, `_codecs.encode` bytes).
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    /// A reference to `module.name`, not yet called.
    Global(String),
    /// `class(*args)` with the state BUILD gave it.
    Object {
        class: String,
        args: Vec<Value>,
        state: Option<Box<Value>>,
    },
}

impl Value {
    /// Text or bytes as bytes (dictionary keys are either, depending on the Python that
    /// wrote the file); Python 3's protocol-2 bytes (`_codecs.encode(text, "latin1")`) too.
    pub fn as_bytes(&self) -> Option<std::borrow::Cow<'_, [u8]>> {
        match self {
            Value::Bytes(b) => Some(b.as_slice().into()),
            Value::Str(s) => Some(s.as_bytes().into()),
            Value::Object { class, args, .. } if class == "_codecs.encode" => {
                let Some(Value::Str(text)) = args.first() else {
                    return None;
                };
                let bytes: Option<Vec<u8>> =
                    text.chars().map(|c| u8::try_from(c as u32).ok()).collect();
                bytes.map(Into::into)
            }
            _ => None,
        }
    }

    /// The value stored under `key` (compared as bytes) in a dictionary.
    pub fn get(&self, key: &str) -> Option<&Value> {
        let Value::Dict(items) = self else {
            return None;
        };
        items
            .iter()
            .find(|(k, _)| k.as_bytes().as_deref() == Some(key.as_bytes()))
            .map(|(_, v)| v)
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    /// The items of a list or tuple.
    pub fn items(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }
}

enum Slot {
    Mark,
    V(Value),
}

struct Machine<'a> {
    bytes: &'a [u8],
    at: usize,
    stack: Vec<Slot>,
    memo: HashMap<u32, Value>,
}

/// Why bytes are not a pickle the reader accepts: the opcode or structure, in words.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("{0}")]
pub struct PickleError(pub String);

impl From<&str> for PickleError {
    fn from(text: &str) -> PickleError {
        PickleError(text.to_string())
    }
}

impl From<String> for PickleError {
    fn from(text: String) -> PickleError {
        PickleError(text)
    }
}

type R<T> = Result<T, PickleError>;

impl<'a> Machine<'a> {
    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(PickleError(format!(
                "truncated pickle: {n} bytes wanted at offset {}",
                self.at
            )));
        };
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u8(&mut self) -> R<usize> {
        Ok(self.take(1)?[0] as usize)
    }

    fn le(&mut self, n: usize) -> R<u64> {
        Ok(self
            .take(n)?
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | b as u64))
    }

    fn line(&mut self) -> R<String> {
        let rest = &self.bytes[self.at..];
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            return Err("truncated pickle: a line without its end".into());
        };
        self.at += end + 1;
        Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
    }

    fn push(&mut self, v: Value) {
        self.stack.push(Slot::V(v));
    }

    fn pop(&mut self) -> R<Value> {
        match self.stack.pop() {
            Some(Slot::V(v)) => Ok(v),
            Some(Slot::Mark) => Err("malformed pickle: a mark where a value belongs".into()),
            None => Err("malformed pickle: the stack is empty".into()),
        }
    }

    /// The values above the topmost mark, which is removed.
    fn pop_mark(&mut self) -> R<Vec<Value>> {
        let Some(pos) = self.stack.iter().rposition(|s| matches!(s, Slot::Mark)) else {
            return Err("malformed pickle: no mark".into());
        };
        let items = self.stack.split_off(pos + 1);
        self.stack.pop();
        Ok(items
            .into_iter()
            .filter_map(|s| match s {
                Slot::V(v) => Some(v),
                Slot::Mark => None,
            })
            .collect())
    }

    fn top(&mut self) -> R<&mut Value> {
        match self.stack.last_mut() {
            Some(Slot::V(v)) => Ok(v),
            _ => Err("malformed pickle: no value on the stack".into()),
        }
    }

    fn text(&mut self, n: usize) -> R<()> {
        let s = String::from_utf8_lossy(self.take(n)?).into_owned();
        self.push(Value::Str(s));
        Ok(())
    }

    fn bytes(&mut self, n: usize) -> R<()> {
        let b = self.take(n)?.to_vec();
        self.push(Value::Bytes(b));
        Ok(())
    }

    fn memo_put(&mut self, key: u32) -> R<()> {
        let v = match self.stack.last() {
            Some(Slot::V(v)) => v.clone(),
            _ => return Err("malformed pickle: nothing to memoize".into()),
        };
        self.memo.insert(key, v);
        Ok(())
    }

    fn memo_get(&mut self, key: u32) -> R<()> {
        let v = self.memo.get(&key).cloned();
        self.push(v.ok_or_else(|| format!("malformed pickle: memo {key} is not set"))?);
        Ok(())
    }

    fn call(&mut self) -> R<()> {
        let args = match self.pop()? {
            Value::Tuple(a) => a,
            other => vec![other],
        };
        let class = match self.pop()? {
            Value::Global(name) => name,
            other => format!("{other:?}"),
        };
        // PyTorch's state_dicts are OrderedDicts: plain dictionaries here.
        if class == "collections.OrderedDict" && args.is_empty() {
            self.push(Value::Dict(Vec::new()));
            return Ok(());
        }
        self.push(Value::Object {
            class,
            args,
            state: None,
        });
        Ok(())
    }

    fn add_items(&mut self, items: Vec<Value>, pairs: bool) -> R<()> {
        match (self.top()?, pairs) {
            (Value::List(list), false) => list.extend(items),
            (Value::Dict(dict), true) => {
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    dict.push((k, v));
                }
            }
            _ => return Err("malformed pickle: items added to a value of the wrong kind".into()),
        }
        Ok(())
    }

    /// Executes one opcode; true at STOP.
    fn step(&mut self) -> R<bool> {
        let op = self.u8()? as u8;
        if let Some(done) = self.literal(op)? {
            return Ok(done);
        }
        if let Some(done) = self.text_or_bytes(op)? {
            return Ok(done);
        }
        if let Some(done) = self.references(op)? {
            return Ok(done);
        }
        if let Some(done) = self.structure(op)? {
            return Ok(done);
        }
        Err(PickleError(format!(
            "unsupported pickle opcode 0x{op:02x} at offset {} (not a plain-data pickle)",
            self.at - 1
        )))
    }

    /// Framing, constants and numbers; None when `op` is not one of them.
    fn literal(&mut self, op: u8) -> R<Option<bool>> {
        match op {
            0x80 => drop(self.u8()?),      // PROTO
            0x95 => drop(self.le(8)?),     // FRAME
            b'.' => return Ok(Some(true)), // STOP
            b'(' => self.stack.push(Slot::Mark),
            b'N' => self.push(Value::None),
            0x88 => self.push(Value::Bool(true)),
            0x89 => self.push(Value::Bool(false)),
            b'}' => self.push(Value::Dict(Vec::new())),
            b']' => self.push(Value::List(Vec::new())),
            b')' => self.push(Value::Tuple(Vec::new())),
            b'K' => {
                let v = self.u8()? as i64;
                self.push(Value::Int(v))
            }
            b'M' => {
                let v = self.le(2)? as i64;
                self.push(Value::Int(v))
            }
            b'J' => {
                let v = self.le(4)? as u32 as i32 as i64;
                self.push(Value::Int(v))
            }
            0x8a => {
                // LONG1: little-endian two's complement of n bytes.
                let n = self.u8()?;
                let raw = self.take(n)?;
                let mut v: i64 = 0;
                for (i, &b) in raw.iter().enumerate().take(8) {
                    v |= (b as i64) << (8 * i);
                }
                if n > 0 && n < 8 && raw[n - 1] & 0x80 != 0 {
                    v -= 1i64 << (8 * n);
                }
                self.push(Value::Int(v))
            }
            b'I' | b'L' => {
                let line = self.line()?;
                let t = line.trim_end_matches('L');
                let v = match t {
                    "00" => Value::Bool(false),
                    "01" => Value::Bool(true),
                    _ => Value::Int(t.parse().map_err(|_| format!("bad integer {t:?}"))?),
                };
                self.push(v)
            }
            b'G' => {
                let v = f64::from_bits(u64::from_be_bytes(
                    self.take(8)?.try_into().map_err(|_| "bad float")?,
                ));
                self.push(Value::Float(v))
            }
            _ => return Ok(None),
        }
        Ok(Some(false))
    }

    /// Strings and byte strings.
    fn text_or_bytes(&mut self, op: u8) -> R<Option<bool>> {
        match op {
            b'X' => {
                let n = self.le(4)? as usize;
                self.text(n)?
            }
            0x8c => {
                let n = self.u8()?;
                self.text(n)?
            }
            0x8d => {
                let n = self.le(8)? as usize;
                self.text(n)?
            }
            b'T' | b'B' => {
                let n = self.le(4)? as usize;
                self.bytes(n)?
            }
            b'U' | b'C' => {
                let n = self.u8()?;
                self.bytes(n)?
            }
            0x8e | 0x96 => {
                let n = self.le(8)? as usize;
                self.bytes(n)?
            }
            _ => return Ok(None),
        }
        Ok(Some(false))
    }

    /// Globals, persistent ids and the memo.
    fn references(&mut self, op: u8) -> R<Option<bool>> {
        match op {
            // BINPERSID: a reference to data outside the pickle (PyTorch's tensor storages).
            b'Q' => {
                let pid = self.pop()?;
                self.push(Value::Object {
                    class: "persistent_id".into(),
                    args: vec![pid],
                    state: None,
                })
            }
            b'c' => {
                let module = self.line()?;
                let name = self.line()?;
                self.push(Value::Global(format!("{module}.{name}")))
            }
            0x93 => {
                let name = self.pop()?;
                let module = self.pop()?;
                match (module, name) {
                    (Value::Str(m), Value::Str(n)) => self.push(Value::Global(format!("{m}.{n}"))),
                    _ => return Err("malformed pickle: STACK_GLOBAL without names".into()),
                }
            }
            b'q' => {
                let k = self.u8()? as u32;
                self.memo_put(k)?
            }
            b'r' => {
                let k = self.le(4)? as u32;
                self.memo_put(k)?
            }
            0x94 => {
                let k = self.memo.len() as u32;
                self.memo_put(k)?
            }
            b'h' => {
                let k = self.u8()? as u32;
                self.memo_get(k)?
            }
            b'j' => {
                let k = self.le(4)? as u32;
                self.memo_get(k)?
            }
            _ => return Ok(None),
        }
        Ok(Some(false))
    }

    /// Containers, calls and BUILD.
    fn structure(&mut self, op: u8) -> R<Option<bool>> {
        match op {
            0x85..=0x87 => {
                let n = (op - 0x84) as usize;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.pop()?);
                }
                items.reverse();
                self.push(Value::Tuple(items))
            }
            b't' => {
                let items = self.pop_mark()?;
                self.push(Value::Tuple(items))
            }
            b'l' => {
                let items = self.pop_mark()?;
                self.push(Value::List(items))
            }
            b'd' => {
                let items = self.pop_mark()?;
                self.push(Value::Dict(Vec::new()));
                self.add_items(items, true)?
            }
            b'a' => {
                let v = self.pop()?;
                self.add_items(vec![v], false)?
            }
            b'e' => {
                let items = self.pop_mark()?;
                self.add_items(items, false)?
            }
            b's' => {
                let v = self.pop()?;
                let k = self.pop()?;
                self.add_items(vec![k, v], true)?
            }
            b'u' => {
                let items = self.pop_mark()?;
                self.add_items(items, true)?
            }
            b'R' | 0x81 => self.call()?,
            b'b' => {
                let state = self.pop()?;
                match self.top()? {
                    Value::Object { state: s, .. } => *s = Some(Box::new(state)),
                    // An OrderedDict's attributes (PyTorch's `_metadata`): not needed.
                    Value::Dict(_) => {}
                    _ => {
                        return Err(
                            "malformed pickle: BUILD on a value that is not an object".into()
                        )
                    }
                }
            }

            _ => return Ok(None),
        }
        Ok(Some(false))
    }
}

/// Reads the one value a pickle holds.
pub fn load(bytes: &[u8]) -> R<Value> {
    let mut m = Machine {
        bytes,
        at: 0,
        stack: Vec::new(),
        memo: HashMap::new(),
    };
    if bytes.first() != Some(&0x80) {
        return Err("not a binary pickle (it does not start with the PROTO opcode)".into());
    }
    while !m.step()? {}
    m.pop()
}

/// A numpy array of unsigned bytes in a pickle: (shape, data). Handles both ways numpy
/// pickles arrays: `_reconstruct` + BUILD state (protocols ≤ 4) and `_frombuffer` (5).
pub fn u8_array(v: &Value) -> R<(Vec<usize>, Vec<u8>)> {
    let Value::Object { class, args, state } = v else {
        return Err("expected a numpy array".into());
    };
    let dims = |shape: &Value| -> R<Vec<usize>> {
        shape
            .items()
            .ok_or("the array's shape is not a tuple")?
            .iter()
            .map(|d| {
                d.as_int()
                    .map(|d| d.max(0) as usize)
                    .ok_or(PickleError::from("bad array shape"))
            })
            .collect()
    };
    let check_dtype = |dtype: &Value| -> R<()> {
        match dtype {
            Value::Object { args, .. }
                if args.first().and_then(|a| a.as_bytes()).as_deref() == Some(b"u1") =>
            {
                Ok(())
            }
            Value::Object { args, .. } => Err(PickleError(format!(
                "the array's type is {:?}, not uint8",
                args.first()
            ))),
            _ => Err("the array has no dtype".into()),
        }
    };
    if class.ends_with("._reconstruct") {
        let state = state
            .as_deref()
            .and_then(Value::items)
            .ok_or("the array has no state")?;
        let [_, shape, dtype, _, raw] = state else {
            return Err("the array's state is not (version, shape, dtype, fortran, data)".into());
        };
        check_dtype(dtype)?;
        let data = raw.as_bytes().ok_or("the array's data is not bytes")?;
        Ok((dims(shape)?, data.into_owned()))
    } else if class.ends_with("._frombuffer") {
        let [raw, dtype, shape, _] = args.as_slice() else {
            return Err("unexpected _frombuffer arguments".into());
        };
        check_dtype(dtype)?;
        let data = raw.as_bytes().ok_or("the array's data is not bytes")?;
        Ok((dims(shape)?, data.into_owned()))
    } else {
        Err(PickleError(format!(
            "expected a numpy array, found {class}"
        )))
    }
}
